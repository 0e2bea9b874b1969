namespace SsePluginHost.Auth;

/// <summary>The outcome of validating a token: credentials, or why it was refused.</summary>
/// <param name="Credentials">The credentials of a token that passed, else <see langword="null"/>.</param>
/// <param name="Failure">One line saying why the token was refused, else <see langword="null"/>.</param>
/// <param name="Forbidden">Whether the token is valid but does not grant what is asked (403, not 401).</param>
internal readonly record struct TokenCheck(Credentials? Credentials, string? Failure, bool Forbidden = false)
{
    public static TokenCheck Refused(string failure) => new(null, failure);

    public static TokenCheck NotGranted(string failure) => new(null, failure, Forbidden: true);
}
