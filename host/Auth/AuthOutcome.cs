using SsePluginHost.Admission;

namespace SsePluginHost.Auth;

/// <summary>What authenticating a request gave: credentials, or a refusal (401 or 403).</summary>
/// <param name="Credentials">Who the request is from, else <see langword="null"/>.</param>
/// <param name="Refusal">Why it was refused, else <see langword="null"/>.</param>
internal readonly record struct AuthOutcome(Credentials? Credentials, AdmissionRefusal? Refusal);
