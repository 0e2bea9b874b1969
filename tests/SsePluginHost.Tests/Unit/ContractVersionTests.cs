using SsePluginHost.Plugins;

namespace SsePluginHost.Tests.Unit;

/// <summary>Which contract versions a plugin may be built against to load on this host.</summary>
public sealed class ContractVersionTests
{
    private static readonly Version Host = new(1, 4, 0, 0);

    [Theory]
    [InlineData("1.0.0.0")]
    [InlineData("1.4.0.0")]
    [InlineData("1.9.2.0")]
    [InlineData("0.9.0.0")]
    public void A_plugin_built_against_the_same_major_version_or_an_older_one_loads(string built) =>
        Assert.Null(ContractVersion.Refusal("Hello", Version.Parse(built), Host));

    [Fact]
    public void A_plugin_that_references_no_contract_is_left_to_the_type_check() =>
        Assert.Null(ContractVersion.Refusal("Hello", null, Host));

    [Fact]
    public void A_plugin_built_against_a_newer_major_version_is_refused_saying_which_versions_and_what_to_do()
    {
        string? refusal = ContractVersion.Refusal("Hello", new Version(2, 1, 0, 0), Host);

        Assert.Equal(
            "Hello was built against SsePluginHost.Abstractions 2.1.0, a newer major version than this host's 1.4.0: " +
            "run it on a host with contract 2.x, or build it against 1.x",
            refusal);
    }

    [Fact]
    public void This_host_carries_the_contract_version_the_abstractions_project_names() =>
        Assert.Equal(typeof(SsePluginHost.Abstractions.ISseService).Assembly.GetName().Version, ContractVersion.Host);
}
