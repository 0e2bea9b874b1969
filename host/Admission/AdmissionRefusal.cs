namespace SsePluginHost.Admission;

/// <summary>A policy's refusal of a request.</summary>
/// <param name="Status">The HTTP status, such as 401, 403 or 429.</param>
/// <param name="Reason">One line for the client saying why.</param>
/// <param name="RetryAfterSeconds">A <c>Retry-After</c> to send, or <see langword="null"/>.</param>
/// <param name="Headers">Other header fields the refusal carries (such as <c>WWW-Authenticate</c>), or <see langword="null"/>.</param>
internal sealed record AdmissionRefusal(int Status, string Reason, int? RetryAfterSeconds = null, IReadOnlyList<KeyValuePair<string, string>>? Headers = null);
