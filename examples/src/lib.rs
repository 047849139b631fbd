//! Runnable examples live in `examples/examples/`; types they share live here.

pub mod boiler;
pub mod plant;

/// This process's CPU time so far (user + system, from `/proc/self/stat`, in Linux's
/// 10 ms ticks); zero where there is no `/proc`. What the benchmark examples report per
/// operation.
pub fn process_cpu_time() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the `(comm)` field: utime and stime are the 12th and 13th fields.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    std::time::Duration::from_millis(ticks * 10)
}
