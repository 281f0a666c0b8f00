package dev.runaway.stats;

/**
 * A point-in-time reading of a {@link BurnRateMeter}.
 *
 * @param costPerHour current spend rate, dollars per hour (from the current and last bucket)
 * @param baselineCostPerHour the learned normal spend rate for this time; {@code NaN} until warmed up
 * @param callsPerMinute current call rate
 * @param baselineCallsPerMinute the learned normal call rate; {@code NaN} until warmed up
 * @param warmedUp whether the baseline is trusted (before that only budgets and caps apply)
 * @param inEpisode whether a spike or runaway episode is under way
 */
public record MeterSnapshot(double costPerHour, double baselineCostPerHour, double callsPerMinute,
    double baselineCallsPerMinute, boolean warmedUp, boolean inEpisode) {}
