namespace SsePluginHost.Admission;

/// <summary>
/// Reads an <c>Accept</c> header value as a list of media ranges with parameters (RFC 9110,
/// section 12.5.1): whether it names a media type with a quality above zero. Without allocating:
/// it runs for every connection of the direct path.
/// </summary>
internal static class AcceptHeader
{
    /// <summary>Whether <paramref name="accept"/> lists <paramref name="mediaType"/> itself (not a wildcard) with <c>q</c> above 0.</summary>
    public static bool Allows(string? accept, string mediaType)
    {
        if (string.IsNullOrEmpty(accept))
        {
            return false;
        }

        ReadOnlySpan<char> rest = accept;
        while (!rest.IsEmpty)
        {
            int comma = rest.IndexOf(',');
            ReadOnlySpan<char> element = comma < 0 ? rest : rest[..comma];
            rest = comma < 0 ? [] : rest[(comma + 1)..];
            int semicolon = element.IndexOf(';');
            ReadOnlySpan<char> type = (semicolon < 0 ? element : element[..semicolon]).Trim();
            if (type.Equals(mediaType, StringComparison.OrdinalIgnoreCase) && Quality(semicolon < 0 ? [] : element[(semicolon + 1)..]) > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The <c>q</c> parameter among <paramref name="parameters"/> (1 when absent, 0 when it does not parse).</summary>
    private static double Quality(ReadOnlySpan<char> parameters)
    {
        while (!parameters.IsEmpty)
        {
            int semicolon = parameters.IndexOf(';');
            ReadOnlySpan<char> parameter = (semicolon < 0 ? parameters : parameters[..semicolon]).Trim();
            parameters = semicolon < 0 ? [] : parameters[(semicolon + 1)..];
            int equals = parameter.IndexOf('=');
            if (equals > 0 && parameter[..equals].Trim().Equals("q", StringComparison.OrdinalIgnoreCase))
            {
                return double.TryParse(parameter[(equals + 1)..].Trim(), System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double q)
                    && q is >= 0 and <= 1 ? q : 0;
            }
        }

        return 1;
    }
}
