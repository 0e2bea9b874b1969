#!/usr/bin/env python3
"""Helpers of bench/run.sh (Python 3 standard library only).

  measure.py sample PID OUTFILE [INTERVAL]
      Until SIGTERM/SIGINT or until PID is gone, appends a line every INTERVAL seconds
      (default 0.2) for the process tree of PID (PID and all its descendants):
      "<boot-clock seconds> <cpu seconds> <VmRSS KiB> <Pss KiB> <processes>
      <machine busy cpu-seconds> <machine softirq cpu-seconds> <machine total cpu-seconds>"
      (the last three from /proc/stat, all cores).
      ssebench --server-pid reads one process; nginx does its work in its worker processes,
      so this is how the whole of a multi-process server is measured.

  measure.py summary RESULTS_DIR "SERVERS" "SCENARIOS"
      Reads RESULTS_DIR/<server>-<scenario>-<run>.json (ssebench --json) with
      RESULTS_DIR/logs/<tag>.samples and <tag>.marks, and prints Markdown: the table of medians
      over the runs; for each scenario at a fixed rate that every server should keep up with
      (L20, L200: the names starting with L) a table of the servers side by side, latency
      first; a cross-check of ssebench's one-process figures against the process-tree
      figures; what the load looked like (to see whether the load tool was the bottleneck);
      and, where run.sh counted them (SYSCALLS=1, RESULTS_DIR/logs/<tag>.syscalls, perf stat
      -x,), the server's system calls per delivery in each scenario that publishes; for C,
      its system calls and context switches per second over the idle window (<tag>.idle-stat),
      and with PROFILE_IDLE=1 the top of the idle profile (<tag>.perf.txt, <tag>.perf-comm.txt).
"""

import glob
import json
import os
import re
import signal
import statistics
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def now():
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def tree(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def stats(pid):
    """(cpu seconds, VmRSS KiB, Pss KiB) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
        rss = pss = 0
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
        return cpu, rss, pss
    except (OSError, IndexError, ValueError):
        return None


def machine():
    """(busy, softirq, total) cpu-seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = v
    total = sum(v)
    return (total - idle - iowait) / CLK_TCK, softirq / CLK_TCK, total / CLK_TCK


def sample(pid, outfile, interval):
    stop = False

    def on_signal(_signum, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with open(outfile, "a") as out:
        while not stop and os.path.exists(f"/proc/{pid}"):
            t = now()
            total = [0.0, 0, 0]
            n = 0
            for p in tree(pid):
                s = stats(p)
                if s:
                    n += 1
                    total = [a + b for a, b in zip(total, s)]
            busy, softirq, all_cpu = machine()
            out.write(f"{t:.3f} {total[0]:.2f} {total[1]} {total[2]} {n} {busy:.2f} {softirq:.2f} {all_cpu:.2f}\n")
            out.flush()
            time.sleep(max(0.0, interval - (now() - t)))


# --- summary -------------------------------------------------------------------------------------


def load_samples(path):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 8:
                    rows.append((float(parts[0]), float(parts[1]), int(parts[2]), int(parts[3]),
                                 float(parts[5]), float(parts[6]), float(parts[7])))
    except OSError:
        pass
    return rows


def at(rows, t, col):
    """Column col of the samples at time t, interpolated linearly (clamped at the ends)."""
    if not rows:
        return None
    if t <= rows[0][0]:
        return rows[0][col]
    for a, b in zip(rows, rows[1:]):
        if a[0] <= t <= b[0]:
            if b[0] == a[0]:
                return b[col]
            return a[col] + (b[col] - a[col]) * (t - a[0]) / (b[0] - a[0])
    return rows[-1][col]


def load_marks(path):
    marks = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split(None, 1)
                if len(parts) == 2:
                    marks[parts[0]] = parts[1].strip()
    except OSError:
        pass
    return marks


def load_perf_stat(path):
    """{event: count} from a `perf stat -x, -o PATH` file, or None when there is none.

    "<not counted>" (the task never ran while counting) is 0; "<not supported>" is left out.
    """
    counts = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(",")
                if line.startswith("#") or len(parts) < 3 or not parts[2]:
                    continue
                value, event = parts[0], parts[2]
                if value == "<not counted>":
                    counts[event] = 0.0
                else:
                    try:
                        counts[event] = float(value)
                    except ValueError:
                        pass
    except OSError:
        return None
    return counts or None


SEND_FAMILY = ("sendto", "sendmsg", "write", "writev")


def syscall_figures(result, counts):
    """System calls per delivery over one measured run, from its perf stat counts."""
    received = get(result, "deliveries", "received") or 0
    if not counts or "raw_syscalls:sys_enter" not in counts or received <= 0:
        return {}
    send = sum(counts.get(f"syscalls:sys_enter_{call}", 0.0) for call in SEND_FAMILY)
    return {"perDelivery": counts["raw_syscalls:sys_enter"] / received,
            "sendPerDelivery": send / received,
            "deliveriesPerSend": received / send if send > 0 else None}


def idle_figures(counts, marks):
    """Per second over C's idle window: the server's system calls, context switches, CPU."""
    try:
        span = float(marks["idle_stat"].split()[1])
    except (KeyError, IndexError, ValueError):
        return {}
    if not counts or span <= 0:
        return {}
    out = {"seconds": span}
    for key, event in (("syscallsPerSecond", "raw_syscalls:sys_enter"), ("switchesPerSecond", "context-switches"),
                       ("migrationsPerSecond", "cpu-migrations"), ("futexPerSecond", "syscalls:sys_enter_futex"),
                       ("yieldPerSecond", "syscalls:sys_enter_sched_yield")):
        if event in counts:
            out[key] = counts[event] / span
    waits = [counts[e] for e in ("syscalls:sys_enter_epoll_wait", "syscalls:sys_enter_epoll_pwait",
                                 "syscalls:sys_enter_epoll_pwait2") if e in counts]
    if waits:
        out["epollPerSecond"] = sum(waits) / span
    if "task-clock" in counts:  # msec
        out["cpuPercent"] = counts["task-clock"] / 1000 / span * 100
    return out


def profile_top(path, limit):
    """The first `limit` entries of a `perf report --stdio -g none` file, as they are printed."""
    try:
        with open(path) as f:
            # without the IPC columns perf adds where there are no cycle counts ("-      -")
            lines = [re.sub(r"(\s+-)+\s*$", "", line.rstrip()) for line in f if re.match(r"\s+\d+\.\d+%", line)]
    except OSError:
        return None
    return lines[:limit]


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def tree_figures(result, rows, marks):
    """The server's figures from the process-tree samples, over ssebench's phases.

    ssebench's timeline, from its start of run (exit time - wallSeconds): connect, settle
    (up to --settle-timeout when some stream got no first bytes), the wait before the idle window
    (--idle-warmup, the marks' idle_warmup), idle (--idle-seconds), publish
    and drain (deliveries.windowSeconds: first publish to last delivery), then closing.
    """
    out = {}
    if not rows or "launch" not in marks or "exit" not in marks:
        return out
    t0, t1 = float(marks["launch"]), float(marks["exit"])
    wall = get(result, "tool", "wallSeconds") or 0.0
    start = max(t0, t1 - wall - 0.02)
    connected = get(result, "streams", "connected") or 0
    settle = float(marks.get("settle", "2")) if (get(result, "streams", "unsettled") or 0) > 0 else 0.0
    p = start + (get(result, "connect", "totalSeconds") or 0.0) + settle
    before = [r for r in rows if r[0] <= t0]
    base = before[-1] if before else rows[0]
    out["pssBeforeKiB"] = base[3]
    if connected:
        out["pssPerStreamKiB"] = (at(rows, p, 3) - base[3]) / connected
        out["rssPerStreamKiB"] = (at(rows, p, 2) - base[2]) / connected
    idle = get(result, "idle", "seconds")
    if idle:
        # The idle window starts after the unmeasured wait that follows connecting (C_WARMUP).
        p += float(marks.get("idle_warmup", "0"))
        cpu = at(rows, p + idle, 1) - at(rows, p, 1)
        out["idleCpuPercent"] = cpu / idle * 100
        if connected:
            mid = p + idle / 2
            out["pssPerStreamKiB"] = (at(rows, mid, 3) - base[3]) / connected
            out["rssPerStreamKiB"] = (at(rows, mid, 2) - base[2]) / connected
        p += idle
    window = get(result, "deliveries", "windowSeconds")
    received = get(result, "deliveries", "received") or 0
    if window and received:
        cpu = at(rows, p + window, 1) - at(rows, p, 1)
        out["cpuMicrosPerDelivery"] = cpu * 1e6 / received
        out["cpuPercentPublishing"] = cpu / window * 100
        total = at(rows, p + window, 6) - at(rows, p, 6)
        if total > 0:
            out["machineBusyPercent"] = (at(rows, p + window, 4) - at(rows, p, 4)) / total * 100
            out["machineSoftirqPercent"] = (at(rows, p + window, 5) - at(rows, p, 5)) / total * 100
    return out


def tool_figures(result):
    out = {}
    rss = get(result, "server", "rssPerStreamBytes")
    if rss is not None:
        out["rssPerStreamKiB"] = rss / 1024
    idle, idle_cpu = get(result, "idle", "seconds"), get(result, "server", "cpuIdleSeconds")
    if idle and idle_cpu is not None:
        out["idleCpuPercent"] = idle_cpu / idle * 100
    cpu = get(result, "server", "cpuMicrosPerDelivery")
    if cpu is not None and (get(result, "deliveries", "received") or 0) > 0:
        out["cpuMicrosPerDelivery"] = cpu
    window = get(result, "deliveries", "windowSeconds")
    publish_cpu = get(result, "server", "cpuPublishSeconds")
    if window and publish_cpu is not None and (get(result, "deliveries", "received") or 0) > 0:
        out["cpuPercentPublishing"] = publish_cpu / window * 100
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0, mark=""):
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}{mark}"
    return f"{value:,.{digits}f}{mark}"


KEEP_UP_RATE = 0.95  # published/s at least this share of the target rate
KEEP_UP_DRAIN = 1.0  # seconds from the last POST's answer to the last delivery, at most


def is_equal_rate(scenario):
    """The scenarios at a fixed rate that every server should keep up with: L20, L200, ..."""
    return scenario.startswith("L")


def drain_seconds(result):
    """From the last POST's answer to the last delivery (deliveries window - publish duration)."""
    window, duration = get(result, "deliveries", "windowSeconds"), get(result, "publish", "durationSeconds")
    if window is None or duration is None:
        return None
    return max(0.0, window - duration)


def kept_up(result):
    target = get(result, "publish", "targetRate") or 0
    rate = get(result, "publish", "ratePerSecond")
    drain = drain_seconds(result)
    return (rate is not None and drain is not None
            and (target <= 0 or rate >= KEEP_UP_RATE * target)
            and (get(result, "deliveries", "lost") or 0) == 0
            and (get(result, "deliveries", "received") or 0) > 0
            and drain <= KEEP_UP_DRAIN)


def describe(runs, scenario):
    """"1,000 clients, 20 events/s, 600 events of 100 B", from the runs' own JSON."""
    results = [r["result"] for (_, sc), rs in runs.items() if sc == scenario for r in rs]
    if not results:
        return "no result"

    def first(*keys):
        values = [get(r, *keys) for r in results if get(r, *keys) is not None]
        return values[0] if values else None

    return (f"{fmt(first('streams', 'requested'))} clients, {fmt(first('publish', 'targetRate'))} events/s, "
            f"{fmt(first('publish', 'eventsRequested'))} events of {fmt(first('publish', 'sizeBytes'))} B")


def syscall_tables(runs, servers, scenarios):
    """For each scenario that publishes and has counts: the servers' system calls per delivery."""
    text = []
    for scenario in scenarios:
        if scenario == "C" or not any(r["syscalls"] for (_, sc), rs in runs.items() if sc == scenario for r in rs):
            continue
        rows = []
        for server in servers:
            counted = [r for r in runs.get((server, scenario), []) if r["syscalls"]]
            if not counted:
                rows.append(f"| {server} | 0 | no count |  |  |  |")
                continue

            def med(key):
                return median([r["syscalls"].get(key) for r in counted])

            rows.append(
                f"| {server} | {len(counted)} "
                f"| {fmt(median([get(r['result'], 'deliveries', 'received') for r in counted]))} "
                f"| {fmt(med('perDelivery'), 3)} "
                f"| {fmt(med('sendPerDelivery'), 3)} "
                f"| {fmt(med('deliveriesPerSend'), 1)} |")
        if not text:
            text += ["## System calls per delivery", "",
                     "The server's system calls (perf stat on its processes: every thread of a .NET server,",
                     "nginx's workers) over the measured ssebench run, per event delivered to a client; medians",
                     f"over the runs. Send family: {', '.join(SEND_FAMILY)}. Deliveries per send: how many",
                     "deliveries one such call carries on average (1 when every event goes out in its own write;",
                     "more where the server batches).", ""]
        text += [f"### {scenario}", "",
                 "| server | runs counted | deliveries | system calls / delivery | send family / delivery"
                 " | deliveries / send-family call |",
                 "| --- | --: | --: | --: | --: | --: |",
                 *rows, "",
                 "The count covers the whole measured ssebench run (connecting the streams and answering the",
                 "POSTs as well), so the per-delivery figure is slightly high where a run delivers few events.", ""]
    return text


def idle_tables(runs, servers):
    """C: the idle window's wake-ups (SYSCALLS=1) and, where recorded, the top of its profile."""
    text = []
    if any(r["idle"] for (_, sc), rs in runs.items() if sc == "C" for r in rs):
        text += ["## Idle streams (C): what the server still does", "",
                 "perf stat on the server's processes over the idle window (from 0.5 s after it starts to",
                 "0.5 s before it ends), medians over the runs. CPU: perf's task-clock, in % of one core",
                 "(next to the /proc or ssebench figure of the table above).", "",
                 "| server | runs counted | streams connected | idle CPU % of a core | task-clock % | syscalls/s while idle"
                 " | context switches/s while idle | CPU migrations/s | epoll waits/s | futex/s | sched_yield/s |",
                 "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |"]
        for server in servers:
            rs = runs.get((server, "C"), [])
            counted = [r for r in rs if r["idle"]]
            if not counted:
                text.append(f"| {server} | 0 | no count |  |  |  |  |  |  |  |  |")
                continue
            whole = all(r["whole"] for r in rs)
            src, mark = ("tool", "") if whole else ("tree", " †")

            def med(key):
                return median([r["idle"].get(key) for r in counted])

            text.append(
                f"| {server} | {len(counted)} "
                f"| {fmt(median([get(r['result'], 'streams', 'connected') for r in counted]))} "
                f"| {fmt(median([r[src].get('idleCpuPercent') for r in counted]), 2, mark)} "
                f"| {fmt(med('cpuPercent'), 2)} "
                f"| {fmt(med('syscallsPerSecond'), 1)} "
                f"| {fmt(med('switchesPerSecond'), 1)} "
                f"| {fmt(med('migrationsPerSecond'), 1)} "
                f"| {fmt(med('epollPerSecond'), 1)} "
                f"| {fmt(med('futexPerSecond'), 1)} "
                f"| {fmt(med('yieldPerSecond'), 1)} |")
        text += [""]
    profiles = []
    for server in servers:
        for r in runs.get((server, "C"), []):
            top = profile_top(os.path.join(r["logs"], r["tag"] + ".perf.txt"), 15)
            if top is None:
                continue
            comm = profile_top(os.path.join(r["logs"], r["tag"] + ".perf-comm.txt"), 8) or []
            samples = ""
            try:
                with open(os.path.join(r["logs"], r["tag"] + ".perf.txt")) as f:
                    m = re.search(r"^# Samples: (\S+)\s+of event '([^']*)'", f.read(), re.M)
                    if m:
                        samples = f", {m.group(1)} samples of {m.group(2)}"
            except OSError:
                pass
            if not top:
                profiles += [f"### {r['tag']}", "", "No samples: the server did not run in the window.", ""]
            else:
                profiles += [f"### {r['tag']}{samples}", "", "```", *top, "```", "", "By thread:", "", "```", *comm, "```", ""]
            break  # the first run of each server
    if profiles:
        text += ["## Where the idle server's CPU goes (PROFILE_IDLE=1, perf record -g -F 499)", "",
                 "The first run of each server: the top entries by DSO and symbol (logs/<tag>.perf.txt; with",
                 "call chains in <tag>.perf-callers.txt) and by thread (<tag>.perf-comm.txt).", "", *profiles]
    return text


def summary(results_dir, servers, scenarios):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        # <server>-<scenario>-<run>: servers may hold "-" (ssehost-defaults), scenarios may not
        # (A, B, C, L20, L200).
        m = re.fullmatch(r"(.+)-([A-Z][A-Z0-9]*)-(\d+)\.json", os.path.basename(path))
        if not m:
            continue
        server, scenario, _ = m.groups()
        tag = os.path.basename(path)[:-5]
        try:
            with open(path) as f:
                result = json.load(f)
        except (OSError, ValueError):
            continue
        rows = load_samples(os.path.join(results_dir, "logs", tag + ".samples"))
        marks = load_marks(os.path.join(results_dir, "logs", tag + ".marks"))
        whole = marks.get("whole", "1") == "1"
        syscalls = syscall_figures(result, load_perf_stat(os.path.join(results_dir, "logs", tag + ".syscalls")))
        idle = idle_figures(load_perf_stat(os.path.join(results_dir, "logs", tag + ".idle-stat")), marks)
        runs.setdefault((server, scenario), []).append(
            {"result": result, "tool": tool_figures(result), "tree": tree_figures(result, rows, marks), "whole": whole,
             "syscalls": syscalls, "idle": idle, "tag": tag, "logs": os.path.join(results_dir, "logs")})

    lines = [
        "| server | scenario | runs | delivered/s | server CPU µs/delivery | latency p50 ms | p99 ms | max ms"
        " | lost | duplicated | streams connected | RSS/stream KiB | idle CPU % of a core |",
        "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    check = [
        "| server | scenario | CPU µs/delivery: ssebench / tree | RSS per stream KiB: ssebench / tree RSS / tree PSS"
        " | idle CPU %: ssebench / tree |",
        "| --- | --- | --: | --: | --: |",
    ]
    load = [
        "| server | scenario | published/s | connect s | server CPU % while publishing | ssebench CPU % while publishing"
        " | machine busy % while publishing | of it softirq % | ssebench CPU % idle | wall s | exit codes |",
        "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
    ]
    equal = {scenario: [] for scenario in scenarios if is_equal_rate(scenario)}
    any_tree = False
    for server in servers:
        for scenario in scenarios:
            rs = runs.get((server, scenario))
            if not rs:
                lines.append(f"| {server} | {scenario} | 0 | no result |  |  |  |  |  |  |  |  |  |")
                if scenario in equal:
                    equal[scenario].append(f"| {server} | 0 | no result |  |  |  |  |  |  |  |  |  |  |  |")
                continue
            whole = all(r["whole"] for r in rs)
            src = "tool" if whole else "tree"
            mark = "" if whole else " †"
            any_tree = any_tree or not whole

            def med(*keys):
                return median([get(r["result"], *keys) for r in rs])

            def fig(source, key):
                return median([r[source].get(key) for r in rs])

            publishing = (med("publish", "published") or 0) > 0
            connected = f"{fmt(med('streams', 'connected'))} of {fmt(med('streams', 'requested'))}"
            memory = fig("tree", "pssPerStreamKiB") if not whole else fig("tool", "rssPerStreamKiB")
            lines.append(
                f"| {server} | {scenario} | {len(rs)} "
                f"| {fmt(med('deliveries', 'perSecond')) if publishing else '–'} "
                f"| {fmt(fig(src, 'cpuMicrosPerDelivery'), 2, mark) if publishing else '–'} "
                f"| {fmt(med('latencyMs', 'p50'), 1) if publishing else '–'} "
                f"| {fmt(med('latencyMs', 'p99'), 1) if publishing else '–'} "
                f"| {fmt(med('latencyMs', 'max'), 1) if publishing else '–'} "
                f"| {fmt(med('deliveries', 'lost')) if publishing else '–'} "
                f"| {fmt(med('deliveries', 'duplicated')) if publishing else '–'} "
                f"| {connected} "
                f"| {fmt(memory, 1, mark)} "
                f"| {fmt(fig(src, 'idleCpuPercent'), 2, mark)} |")
            check.append(
                f"| {server} | {scenario} "
                f"| {fmt(fig('tool', 'cpuMicrosPerDelivery'), 2)} / {fmt(fig('tree', 'cpuMicrosPerDelivery'), 2)} "
                f"| {fmt(fig('tool', 'rssPerStreamKiB'), 1)} / {fmt(fig('tree', 'rssPerStreamKiB'), 1)} / {fmt(fig('tree', 'pssPerStreamKiB'), 1)} "
                f"| {fmt(fig('tool', 'idleCpuPercent'), 2)} / {fmt(fig('tree', 'idleCpuPercent'), 2)} |")
            window = med("deliveries", "windowSeconds")
            tool_pub = med("tool", "cpuPublishSeconds")
            idle = med("idle", "seconds")
            tool_idle = med("tool", "cpuIdleSeconds")
            load.append(
                f"| {server} | {scenario} "
                f"| {fmt(med('publish', 'ratePerSecond')) if publishing else '–'} "
                f"| {fmt(med('connect', 'totalSeconds'), 2)} "
                f"| {fmt(fig(src, 'cpuPercentPublishing'), 0, mark) if publishing else '–'} "
                f"| {fmt(tool_pub / window * 100 if publishing and window and tool_pub is not None else None)} "
                f"| {fmt(fig('tree', 'machineBusyPercent')) if publishing else '–'} "
                f"| {fmt(fig('tree', 'machineSoftirqPercent')) if publishing else '–'} "
                f"| {fmt(tool_idle / idle * 100 if idle and tool_idle is not None else None, 2)} "
                f"| {fmt(med('tool', 'wallSeconds'), 1)} "
                f"| {', '.join(str(get(r['result'], 'exitCode')) for r in rs)} |")
            if scenario in equal:
                kept = [kept_up(r["result"]) for r in rs]
                equal[scenario].append(
                    f"| {server} | {len(rs)} "
                    f"| {fmt(med('latencyMs', 'p50'), 1)} "
                    f"| {fmt(med('latencyMs', 'p90'), 1)} "
                    f"| {fmt(med('latencyMs', 'p99'), 1)} "
                    f"| {fmt(med('latencyMs', 'p999'), 1)} "
                    f"| {fmt(med('latencyMs', 'max'), 1)} "
                    f"| {fmt(med('publish', 'ratePerSecond'), 1)} "
                    f"| {fmt(med('deliveries', 'perSecond'))} "
                    f"| {fmt(fig(src, 'cpuMicrosPerDelivery'), 2, mark)} "
                    f"| {fmt(med('deliveries', 'lost'))} "
                    f"| {fmt(med('deliveries', 'duplicated'))} "
                    f"| {fmt(median([drain_seconds(r['result']) for r in rs]), 2)} "
                    f"| {'yes' if all(kept) else f'no ({kept.count(False)} of {len(kept)} runs)'} |")

    text = ["## Results (median of the runs)", "", *lines, ""]
    if any_tree:
        text += ["† measured over the server's whole process tree (nginx master and workers) from",
                 "/proc samples every 0.2 s, PSS for memory, over ssebench's phases: ssebench's",
                 "--server-pid reads one process only. The other figures are ssebench's own.", ""]
    text += ["Delivered/s: events received by all clients per second, first publish to last delivery.",
             "CPU: the server's user+system time over publish and drain, per delivered event.",
             "RSS/stream: the server's memory growth from before connecting to after (in C, while idle),"
             " per connected stream.",
             "Idle CPU: the server's CPU time while the streams were held idle, in % of one core.", ""]
    if equal:
        text += ["## Latency at an equal publish rate", "",
                 "Every server gets the same events at the same fixed rate, one the servers are meant to",
                 "keep up with, so latency and CPU per delivery compare the same work. Kept up: in every run",
                 f"the events were published at {KEEP_UP_RATE * 100:.0f} % of the target rate or more, none was lost,",
                 f"and the last one reached every client within {KEEP_UP_DRAIN:g} s of the last POST's answer",
                 "(drain s). Where a server did not keep up, its figures are not of the same work.", ""]
        for scenario, rows in equal.items():
            text += [f"### {scenario}: {describe(runs, scenario)}", "",
                     "| server | runs | latency p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | published/s"
                     " | delivered/s | server CPU µs/delivery | lost | duplicated | drain s | kept up |",
                     "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |",
                     *rows, ""]
        if any_tree:
            text += ["† as above: the server's whole process tree.", ""]
    text += syscall_tables(runs, servers, scenarios)
    if "C" in scenarios:
        text += idle_tables(runs, servers)
    text += ["## Cross-check: ssebench (one process) against the process tree", "", *check, "",
             "## Load (is the load tool the bottleneck?)", "",
             "Server and ssebench CPU in % of one core; the machine has $(nproc) cores shared by the"
             " server, ssebench and the kernel. Machine busy and softirq in % of all cores (/proc/stat):"
             " near 100 means the machine, not the server alone, set the pace; softirq is the kernel's"
             " loopback TCP work, charged to neither process.", "",
             *load, ""]
    print("\n".join(text).replace("$(nproc)", str(os.cpu_count())))


def main(argv):
    if len(argv) >= 3 and argv[0] == "sample":
        sample(int(argv[1]), argv[2], float(argv[3]) if len(argv) > 3 else 0.2)
        return 0
    if len(argv) == 4 and argv[0] == "summary":
        summary(argv[1], argv[2].split(), argv[3].split())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
