namespace SsePluginHost.Configuration;

/// <summary>Who may use a mount (<c>"Auth": { "Mode": ... }</c>).</summary>
public enum AuthMode
{
    /// <summary>Anyone: no credentials are asked for (the default).</summary>
    Anonymous = 0,

    /// <summary>A JSON Web Token, validated with the keys, issuer, audience and claims of <see cref="AuthSettings.Jwt"/>.</summary>
    Jwt = 1,
}
