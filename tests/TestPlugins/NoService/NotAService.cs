namespace NoService;

/// <summary>
/// An ordinary class: this assembly implements no <c>ISseService</c>, so the host must refuse
/// to mount it.
/// </summary>
public sealed class NotAService
{
    /// <summary>Says hello.</summary>
    /// <param name="name">Whom to greet.</param>
    /// <returns>The greeting.</returns>
    public static string Greet(string name) => $"Hello, {name}!";
}
