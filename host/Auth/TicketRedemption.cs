using SsePluginHost.Admission;

namespace SsePluginHost.Auth;

/// <summary>What a stream ticket gave: the credentials it carries, or a refusal.</summary>
/// <param name="Credentials">The credentials (with the ticket), else <see langword="null"/>.</param>
/// <param name="Refusal">Why the ticket was refused, else <see langword="null"/>.</param>
internal readonly record struct TicketRedemption(Credentials? Credentials, AdmissionRefusal? Refusal);
