package dev.runaway.monitor.internal;

import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import dev.runaway.internal.AlertSink;
import dev.runaway.stats.DetectionSettings;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every service of one monitor shares: time, settings, where alerts go, the attached guard.
 *
 * @param ticker the monitor's ticker
 * @param interval {@code monitoring_interval}
 * @param pollTimeout how long one poll may run before it is interrupted and reported
 * @param minSpacing the least time between the starts of two polls of one service
 * @param maxLookback the longest span one poll is asked to cover (after a long outage)
 * @param detection the account-wide meters' settings, from the config's multipliers
 * @param alerts where alerts go
 * @param guard the attached guard, or {@code null}
 * @param secrets the credentials handed out, to scrub from messages
 * @param closed set once the monitor closes
 */
public record MonitorShared(Ticker ticker, Duration interval, Duration pollTimeout, Duration minSpacing,
    Duration maxLookback, DetectionSettings detection, AlertSink alerts, RunawayGuard guard,
    TrackingSecrets secrets, AtomicBoolean closed) {}
