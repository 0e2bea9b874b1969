using System.Buffers.Text;
using System.Security.Cryptography;

namespace SsePluginHost.Streaming;

/// <summary>Makes session ids: 128 bits from the system's cryptographic random source, base64url.</summary>
internal static class SessionIds
{
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
