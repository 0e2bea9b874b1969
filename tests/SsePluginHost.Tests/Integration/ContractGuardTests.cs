using SsePluginHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SsePluginHost.Tests.Integration;

/// <summary>
/// The contract cannot change by accident: the public API analyzers hold the code to
/// PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt, and abstractions/pack.sh validates the
/// package against the last release, packed from git. Each test changes a copy of the contract
/// and reads what the build says.
/// </summary>
[Collection(DotnetBuildsCollection.Name)]
public sealed class ContractGuardTests(ContractGuardTests.Released released, ITestOutputHelper output)
    : IClassFixture<ContractGuardTests.Released>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(120);

    private const string NoContentMember = """
            /// <summary>Replies 204 No Content.</summary>
            /// <returns>The response.</returns>
            public static SseResponse NoContent() => new(false, 204, null, "text/plain; charset=utf-8", null);


        """;

    private const string NoContentLine = "static SsePluginHost.Abstractions.SseResponse.NoContent() -> SsePluginHost.Abstractions.SseResponse!\n";

    private const string AcceptedMember = """
            /// <summary>Replies 202 Accepted.</summary>
            /// <returns>The response.</returns>
            public static SseResponse Accepted() => Text(202, null);


        """;

    private const string AcceptedLine = "static SsePluginHost.Abstractions.SseResponse.Accepted() -> SsePluginHost.Abstractions.SseResponse!\n";

    [Fact]
    public async Task A_public_member_added_removed_or_given_other_nullability_without_updating_the_PublicAPI_files_fails_the_build()
    {
        using ContractCopy copy = ContractCopy.Create();
        copy.Replace("SseResponse.cs", NoContentMember, AcceptedMember);
        copy.Replace("SseEvent.cs", "public static bool IsValidField(string value)", "public static bool IsValidField(string? value)");

        // Errors by their own severity, not only because this repository treats warnings as errors.
        CommandRun build = await CommandRun.DotnetAsync(copy.Root, BuildTimeout, "build", "abstractions", "-p:TreatWarningsAsErrors=false");
        output.WriteLine(build.Report);

        Assert.NotEqual(0, build.ExitCode);
        string[] errors = [.. build.Output.Split('\n').Where(l => l.Contains(": error RS", StringComparison.Ordinal))];
        Assert.Contains(errors, l => l.Contains("error RS0016", StringComparison.Ordinal) && l.Contains("Accepted()", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("error RS0017", StringComparison.Ordinal) && l.Contains("NoContent()", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("error RS0016", StringComparison.Ordinal) && l.Contains("IsValidField(string? value)", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("error RS0017", StringComparison.Ordinal) && l.Contains("IsValidField(string! value)", StringComparison.Ordinal));
    }

    [Fact]
    public void Pack_sh_packs_the_contract_validated_against_its_last_release_packed_from_git()
    {
        CommandRun pack = released.Pack!;
        output.WriteLine(pack.Report);

        Assert.True(pack.ExitCode == 0, pack.Report);
        Assert.True(File.Exists(released.Baseline), pack.Report);
        Assert.True(File.Exists(Path.Combine(released.OutputDirectory, $"SsePluginHost.Abstractions.{ContractCopy.Version}.nupkg")), pack.Report);
        Assert.Contains($"from commit {ContractCopy.BaselineCommit}", pack.Output, StringComparison.Ordinal);
        Assert.Contains(
            $"SsePluginHost.Abstractions.{ContractCopy.Version}.nupkg: validated against SsePluginHost.Abstractions {ContractCopy.BaselineVersion}",
            pack.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shipped_member_removed_from_the_code_and_the_PublicAPI_files_alike_is_refused_by_package_validation()
    {
        string baseline = released.RequireBaseline(output);
        using ContractCopy copy = ContractCopy.Create();
        copy.Replace("SseResponse.cs", NoContentMember, string.Empty);
        copy.Replace("PublicAPI.Shipped.txt", NoContentLine, string.Empty);

        CommandRun pack = await PackAsync(copy, baseline);
        output.WriteLine(pack.Report);

        Assert.NotEqual(0, pack.ExitCode);
        Assert.Contains(pack.Output.Split('\n'), l => l.Contains("error CP0002", StringComparison.Ordinal) && l.Contains("NoContent()", StringComparison.Ordinal));
        Assert.DoesNotContain(": error RS", pack.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(copy.Root, "out", $"SsePluginHost.Abstractions.{ContractCopy.Version}.nupkg")), "A package that failed validation was written.");
    }

    [Fact]
    public async Task A_member_added_and_declared_in_PublicAPI_Unshipped_packs_only_under_a_new_minor_version()
    {
        string baseline = released.RequireBaseline(output);
        using ContractCopy copy = ContractCopy.Create();
        copy.Replace("SseResponse.cs", NoContentMember, NoContentMember + AcceptedMember);
        copy.Replace("PublicAPI.Unshipped.txt", "#nullable enable\n", "#nullable enable\n" + AcceptedLine);

        // The version left at the last release's, as if no one had raised it.
        string lastRelease = ContractCopy.BaselineVersion;
        copy.Replace("SsePluginHost.Abstractions.csproj", $"<Version>{ContractCopy.Version}</Version>", $"<Version>{lastRelease}</Version>");
        CommandRun sameVersion = await PackAsync(copy, baseline);
        output.WriteLine(sameVersion.Report);
        Assert.NotEqual(0, sameVersion.ExitCode);
        Assert.Contains($"but Version is still {lastRelease}: raise it", sameVersion.Output, StringComparison.Ordinal);

        Version last = System.Version.Parse(lastRelease);
        string minorVersion = $"{last.Major}.{last.Minor + 1}.0";
        copy.Replace("SsePluginHost.Abstractions.csproj", $"<Version>{lastRelease}</Version>", $"<Version>{minorVersion}</Version>");
        CommandRun minor = await PackAsync(copy, baseline);
        output.WriteLine(minor.Report);
        Assert.True(minor.ExitCode == 0, minor.Report);
        Assert.True(File.Exists(Path.Combine(copy.Root, "out", $"SsePluginHost.Abstractions.{minorVersion}.nupkg")), minor.Report);
    }

    private static Task<CommandRun> PackAsync(ContractCopy copy, string baseline) =>
        CommandRun.RunAsync(
            "bash",
            copy.Root,
            BuildTimeout,
            Path.Combine(ContractCopy.SourceDirectory, "pack.sh"),
            "out",
            "--project",
            copy.ProjectDirectory,
            "--baseline",
            baseline);

    /// <summary>
    /// abstractions/pack.sh run once on an unchanged copy of the contract: it packs the 1.0.0
    /// release from git, and the contract validated against it; the other tests reuse that
    /// baseline package.
    /// </summary>
    public sealed class Released : IAsyncLifetime
    {
        private ContractCopy? _copy;

        internal CommandRun? Pack { get; private set; }

        public string OutputDirectory => Path.Combine(_copy!.Root, "out");

        public string Baseline => Path.Combine(OutputDirectory, "baseline", $"SsePluginHost.Abstractions.{ContractCopy.BaselineVersion}.nupkg");

        public async Task InitializeAsync()
        {
            _copy = ContractCopy.Create();
            Pack = await CommandRun.RunAsync(
                "bash",
                _copy.Root,
                BuildTimeout,
                Path.Combine(ContractCopy.SourceDirectory, "pack.sh"),
                "out",
                "--project",
                _copy.ProjectDirectory);
        }

        /// <summary>Fails the test unless the baseline was packed; returns its path.</summary>
        internal string RequireBaseline(ITestOutputHelper output)
        {
            Assert.True(File.Exists(Baseline), $"No baseline package at {Baseline}.\n{Pack!.Report}");
            output.WriteLine($"baseline: {Baseline}");
            return Baseline;
        }

        public Task DisposeAsync()
        {
            _copy?.Dispose();
            return Task.CompletedTask;
        }
    }
}
