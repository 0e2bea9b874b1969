using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using SsePluginHost.Admission;
using SsePluginHost.Backplane;
using SsePluginHost.Channels;
using SsePluginHost.Cluster;
using SsePluginHost.Configuration;
using SsePluginHost.Connections;
using SsePluginHost.Diagnostics;
using SsePluginHost.Endpoints;
using SsePluginHost.Ingress;
using SsePluginHost.Mounts;
using SsePluginHost.Operator;
using SsePluginHost.Ping;
using SsePluginHost.Plugins;
using SsePluginHost.Status;
using SsePluginHost.Streaming;

namespace SsePluginHost;

/// <summary>Builds the host: configuration, plugin mounts, streaming, ping and console.</summary>
public static class SseHostApplication
{
    /// <summary>Settings that meant something once and are ignored now; each still set gets a warning at start.</summary>
    private static readonly string[] RetiredStreamSettings = ["SseHost:Streams:CoalesceMilliseconds", "SseHost:Streams:BusyCoalesceMilliseconds"];

    /// <summary>
    /// Builds the web application from command-line arguments. The content root (where
    /// <c>appsettings.json</c> and the plugins folder are found) is the executable's folder
    /// unless <c>--contentRoot</c> names another.
    /// </summary>
    /// <param name="args">Command-line arguments, such as <c>--urls</c> or <c>--SseHost:Ping:Enabled=false</c>.</param>
    /// <returns>The application, with its mounts loaded, not yet started.</returns>
    /// <exception cref="InvalidDataException">A configuration file is not valid JSON.</exception>
    /// <exception cref="OptionsValidationException">A setting is out of range.</exception>
    public static WebApplication Build(string[] args) => Build(args, configure: null);

    /// <summary>
    /// Builds the web application from command-line arguments, letting the caller adjust the
    /// builder (for example its logging) before the mounts are loaded.
    /// </summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Called with the builder before it is built, or <see langword="null"/>.</param>
    /// <returns>The application, with its mounts loaded, not yet started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool contentRootGiven = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase));
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = contentRootGiven ? null : AppContext.BaseDirectory,
        });

        ConfigurationFiles.IgnoreReloadErrors(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (DirectStreamsApply(builder.Configuration))
            {
                // Settled when the server starts, when the endpoint's protocols and Kestrel's limits
                // are (see FastLaneEndpoints): in the transport, or as connection middleware.
                kestrel.ConfigureEndpointDefaults(listen => listen.Use(next =>
                {
                    if ((listen.Protocols & HttpProtocols.Http1) == 0)
                    {
                        listen.ApplicationServices.GetRequiredService<FastLaneEndpoints>().LeaveAlone(listen.EndPoint);
                        return next;
                    }

                    return FastLaneEndpoints.InTransport(kestrel.Limits)
                        ? next
                        : new DirectStreamMiddleware(next, ActivatorUtilities.CreateInstance<DirectStreamLane>(listen.ApplicationServices, kestrel.Limits)).OnConnectionAsync;
                }));
            }
        });
        if (DirectStreamsApply(builder.Configuration))
        {
            builder.Services.AddSingleton<FastLaneEndpoints>();
            builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, FastLaneTransportFactory>();
        }

        string? unixSocket = ListenOnUnixSocket(builder);
        AddHostServices(builder.Services, builder.Configuration);

        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        SseHostOptions options = app.Services.GetRequiredService<IOptions<SseHostOptions>>().Value;
        ILogger startLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SsePluginHost.Startup");
        MountLoader loader = app.Services.GetRequiredService<MountLoader>();
        loader.LoadAll();
        MountTable table = app.Services.GetRequiredService<MountTable>();
        app.Lifetime.ApplicationStopping.Register(table.BeginShutdown);
        if (options.ReloadOnChange)
        {
            IDisposable watch = ChangeToken.OnChange(app.Configuration.GetReloadToken, loader.OnConfigurationChanged);
            app.Lifetime.ApplicationStopping.Register(watch.Dispose);
        }

        if (options.Plugins.WatchFiles)
        {
            PluginFileWatcher plugins = app.Services.GetRequiredService<PluginFileWatcher>();
            plugins.Start();
            app.Lifetime.ApplicationStopping.Register(plugins.Dispose);
        }

        if (unixSocket is not null)
        {
            ManageUnixSocket(app, unixSocket, options.Publish.UnixSocket.Mode, startLog);
        }

        foreach (string retired in RetiredStreamSettings)
        {
            if (app.Configuration.GetSection(retired).Exists())
            {
                StartupLog.RetiredSetting(startLog, retired, options.Streams.MaxCoalesceMilliseconds);
            }
        }

        LogPublishAccess(startLog, options.Publish.Enabled, app.Services.GetRequiredService<PublishAccess>().HasToken);
        if (options.Streams.DirectStreams && !DirectStreamsApply(app.Configuration))
        {
            StartupLog.DirectStreamsOffForHosts(startLog, app.Configuration["AllowedHosts"] ?? string.Empty);
        }

        if (options.ForwardedHeaders.Enabled)
        {
            app.UseForwardedHeaders(ForwardedHeadersFor(options.ForwardedHeaders));
        }

        ((IEndpointRouteBuilder)app).DataSources.Add(app.Services.GetRequiredService<MountEndpointDataSource>());
        app.MapHealthChecks(PublishApi.Prefix + "/health", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            ResponseWriter = HealthResponse.WriteAsync,
        });
        Auth.TicketEndpoint.Map(app);
        PublishApi.Map(app);

        // After the mounts: a mount at / serves GET / itself.
        MountStatusBoard board = app.Services.GetRequiredService<MountStatusBoard>();
        app.MapGet("/", () => Results.Text(DescribeMounts(board), "text/plain", Encoding.UTF8)).WithOrder(1);
        app.MapFallback(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsync($"Nothing is mounted at {context.Request.Path}; GET / lists the mounts.\n");
        });
        return app;
    }

    /// <summary>
    /// Whether streams may be served straight off their connection: on unless turned off, and
    /// off when <c>AllowedHosts</c> restricts the Host header (ASP.NET Core's host filtering
    /// then sees every request).
    /// </summary>
    private static bool DirectStreamsApply(IConfiguration configuration)
    {
        if (!configuration.GetValue($"{SseHostOptions.SectionName}:Streams:{nameof(StreamOptions.DirectStreams)}", true))
        {
            return false;
        }

        string allowed = configuration["AllowedHosts"] ?? string.Empty;
        string[] hosts = allowed.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return hosts.Length == 0 || hosts.Contains("*", StringComparer.Ordinal);
    }

    private static void AddHostServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SseHostOptions>().Bind(configuration.GetSection(SseHostOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SseHostOptions>, SseHostOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(
            configuration.GetValue($"{SseHostOptions.SectionName}:{nameof(SseHostOptions.ShutdownTimeoutSeconds)}", 5.0)));
        services.AddMetrics();
        services.AddSingleton<HostMetrics>();
        if (configuration.GetSection($"{SseHostOptions.SectionName}:Backplane").Get<BackplaneOptions>() is { UsesRedis: true })
        {
            services.AddSingleton<RedisBackplane>();
            services.AddSingleton<IMountChannelFactory, RedisMountChannelFactory>();
            services.AddSingleton<RedisClusterSessions>();
            services.AddSingleton<IClusterSessions>(provider => provider.GetRequiredService<RedisClusterSessions>());
            services.AddHostedService(provider => provider.GetRequiredService<RedisClusterSessions>());
        }
        else
        {
            services.AddSingleton<IMountChannelFactory, InProcessMountChannelFactory>();
            services.AddSingleton<IClusterSessions, NoClusterSessions>();
        }

        services.AddHealthChecks().AddCheck<BackplaneHealthCheck>("backplane");
        services.AddSingleton<MountTable>();
        services.AddSingleton<MountStatusBoard>();
        services.AddSingleton<PluginFactory>();
        services.AddSingleton<MountLoader>();
        services.AddSingleton<PluginFileWatcher>();
        services.AddSingleton<StreamRunner>();
        services.AddSingleton(provider =>
        {
            StreamOptions streams = provider.GetRequiredService<IOptions<SseHostOptions>>().Value.Streams;
            return new WriteScheduler(TimeSpan.FromMilliseconds(streams.MaxCoalesceMilliseconds), provider.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IFanOutBurst>(provider => provider.GetRequiredService<WriteScheduler>());
        services.AddSingleton<ThreadPoolCompensation>();
        services.AddSingleton<MountDispatcher>();
        services.AddCors();
        services.AddSingleton<Auth.StreamTickets>();
        services.AddSingleton<Auth.TicketEndpoint>();
        services.AddSingleton<MountAdmission>();
        services.AddSingleton<MountEndpointHandler>();
        services.AddSingleton<MountEndpointDataSource>();
        services.AddSingleton<ConsoleCommands>();
        services.AddSingleton<PublishAccess>();
        services.AddSingleton<PublishApi>();
        services.AddSingleton<UdpRelay>();
        services.AddHostedService(provider => provider.GetRequiredService<UdpRelay>());
        services.AddHostedService<PingService>();
        services.AddSingleton<PluginActivity>();
        services.AddSingleton<PluginWatchdog>();
        services.AddHostedService(provider => provider.GetRequiredService<PluginWatchdog>());
        services.AddHostedService<OperatorConsole>();
    }

    /// <summary>Gives the bound socket its mode once the server listens, and removes it when the host stops.</summary>
    private static void ManageUnixSocket(WebApplication app, string path, string modeText, ILogger log)
    {
        UnixSocketFile.TryParseMode(modeText, out UnixFileMode mode);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            UnixSocketFile.ApplyMode(path, mode);
            StartupLog.UnixSocket(log, path, UnixSocketFile.Describe(mode));
        });
        app.Lifetime.ApplicationStopped.Register(() => UnixSocketFile.Remove(path));
    }

    /// <summary>ASP.NET Core's forwarded-headers options for the configured proxies (and only them).</summary>
    private static ForwardedHeadersOptions ForwardedHeadersFor(ForwardedHeadersSettings settings)
    {
        ForwardedHeadersOptions forwarded = new() { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (string proxy in settings.KnownProxies)
        {
            forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        }

        foreach (string network in settings.KnownNetworks)
        {
            forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        return forwarded;
    }

    private static void LogPublishAccess(ILogger log, bool enabled, bool hasToken)
    {
        if (!enabled)
        {
            StartupLog.PublishOff(log);
        }
        else if (hasToken)
        {
            StartupLog.PublishWithToken(log, PublishApi.Prefix);
        }
        else
        {
            StartupLog.PublishLocalOnly(log, PublishApi.Prefix);
        }
    }

    /// <summary>
    /// Adds the Unix socket, if one is configured, to the addresses Kestrel listens on, after
    /// replacing a stale socket file left by a crash.
    /// </summary>
    private static string? ListenOnUnixSocket(WebApplicationBuilder builder)
    {
        string? configured = builder.Configuration[$"{SseHostOptions.SectionName}:Publish:UnixSocket:Path"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }

        string path = System.IO.Path.GetFullPath(configured, builder.Environment.ContentRootPath);
        UnixSocketFile.PrepareForBind(path);
        string urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } given ? given : "http://localhost:5000";
        builder.WebHost.UseUrls($"{urls};http://unix:{path}");
        return path;
    }

    private static string DescribeMounts(MountStatusBoard board)
    {
        StringBuilder text = new("SsePluginHost mounts:\n");
        foreach (MountStatus mount in board.Read())
        {
            text.Append(mount.Path).Append('\t').Append(mount.Plugin).Append('\t')
                .Append(mount.State == MountState.Serving
                    ? string.Create(CultureInfo.InvariantCulture, $"{mount.Clients} clients\t{mount.SlowConsumers} dropped as slow{(mount.ClusterClients is { } all ? $"\t{all} clients on all hosts" : string.Empty)}")
                    : "unavailable: " + mount.Error)
                .Append('\n');
        }

        return text.ToString();
    }
}
