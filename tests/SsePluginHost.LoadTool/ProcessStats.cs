using System.Globalization;

namespace SsePluginHost.LoadTool;

/// <summary>A process's resident memory and CPU time, from /proc (Linux).</summary>
internal readonly record struct ProcessStats(long RssBytes, double CpuSeconds)
{
    /// <summary>Clock ticks per second of /proc/PID/stat's utime and stime (sysconf(_SC_CLK_TCK), 100 on Linux).</summary>
    public const double ClockTicksPerSecond = 100;

    /// <summary>Reads /proc/PID/status (VmRSS) and /proc/PID/stat (utime + stime); null if the process is gone.</summary>
    public static ProcessStats? Read(int pid)
    {
        try
        {
            long rss = 0;
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    rss = long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024; // kB
                    break;
                }
            }

            return new ProcessStats(rss, ReadCpuSeconds(pid));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static double ReadCpuSeconds(int pid)
    {
        // pid (comm) state ppid ... : the name may hold spaces and parentheses, so count from the last ')'.
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / ClockTicksPerSecond;
    }
}
