using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SsePluginHost.Tests.Infrastructure;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// TLS with Kestrel's own certificate settings (SECURITY.md): an HTTPS endpoint with a PFX
/// certificate made for the test serves streams and requests over HTTP/1.1 and HTTP/2, through
/// ASP.NET Core (the direct fast lane takes only plain HTTP/1.1 connections).
/// </summary>
public sealed class HttpsTests
{
    private const string Password = "test-only-password";

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task An_https_endpoint_from_Kestrel_settings_serves_streams(string version)
    {
        string pfx = Path.Combine(TestPaths.NewTempDirectory(), "cert.pfx");
        await File.WriteAllBytesAsync(pfx, SelfSignedPfx());
        string kestrel = $$"""
            { "Kestrel": { "Endpoints": { "Https": { "Url": "https://127.0.0.1:0", "Certificate": { "Path": "{{pfx.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "Password": "{{Password}}" } } } } }
            """;
        await using TestHost host = await TestHost.StartAsync("""{ "/echo": { "Plugin": "Faulty", "Type": "EchoService" } }""", rootExtraJson: kestrel);
        Assert.Equal("https", host.BaseAddress.Scheme);

        using HttpClient client = new(new SocketsHttpHandler
        {
            // The test's own certificate: trusted by this client only.
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=127.0.0.1" },
        })
        {
            BaseAddress = host.BaseAddress,
            DefaultRequestVersion = Version.Parse(version),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using HttpRequestMessage request = new(HttpMethod.Get, "/echo") { Version = Version.Parse(version), VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using StreamReader body = new(await response.Content.ReadAsStreamAsync());
        string? first = await body.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        string? data = await body.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("event: session-id", first);
        Assert.StartsWith("data: ", data, StringComparison.Ordinal);
        Assert.Equal(1, host.ClientCount("/echo"));
        string session = data![6..];
        Assert.Equal("sent", (await client.GetStringAsync($"/echo?session={session}&event=over&data=tls")).Trim());
        string? line;
        do
        {
            line = await body.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        while (line is not null and not "event: over");

        Assert.Equal("event: over", line);
        Assert.Equal("data: tls", await body.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static byte[] SelfSignedPfx()
    {
        using RSA key = RSA.Create(2048);
        CertificateRequest request = new("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        SubjectAlternativeNameBuilder names = new();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.Export(X509ContentType.Pfx, Password);
    }
}
