using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;
using SsePluginHost.Mounts;

namespace SsePluginHost.Endpoints;

/// <summary>
/// The mounts as ASP.NET Core endpoints, as YARP turns its routes into endpoints: one endpoint
/// per mount, for its path and everything below it, carrying the mount's definition as
/// metadata, rebuilt from the mount table whenever a reload changes it (its change token).
/// </summary>
internal sealed class MountEndpointDataSource : EndpointDataSource
{
    private readonly MountTable _table;
    private readonly RequestDelegate _handler;
    private (int Version, IReadOnlyList<Endpoint> Endpoints)? _built;

    public MountEndpointDataSource(MountTable table, MountEndpointHandler handler)
    {
        _table = table;
        _handler = handler.HandleAsync;
    }

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            int version = _table.Version;
            if (_built is { } built && built.Version == version)
            {
                return built.Endpoints;
            }

            IReadOnlyList<Endpoint> endpoints = [.. _table.Mounts.Select(Build)];
            _built = (version, endpoints);
            return endpoints;
        }
    }

    public override IChangeToken GetChangeToken() => _table.GetChangeToken();

    private RouteEndpoint Build(Mount mount)
    {
        // The path's segments as literals (a mount path may hold characters that a route
        // template would read as syntax), then a catch-all for what is below it.
        List<RoutePatternPathSegment> segments = [.. mount.Path.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(segment => RoutePatternFactory.Segment(RoutePatternFactory.LiteralPart(segment)))];
        RoutePatternParameterPolicyReference[] policies = mount.Path == "/"
            ? [RoutePatternFactory.ParameterPolicy(new NotReservedConstraint())]
            : [];
        segments.Add(RoutePatternFactory.Segment(
            RoutePatternFactory.ParameterPart("subPath", null, RoutePatternParameterKind.CatchAll, policies)));
        return new RouteEndpoint(
            _handler,
            RoutePatternFactory.Pattern(segments),
            order: 0,
            new EndpointMetadataCollection(new MountEndpointMetadata(mount.Definition)),
            "mount " + mount.Path);
    }
}
