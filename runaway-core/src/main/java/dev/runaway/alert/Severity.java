package dev.runaway.alert;

/** How urgent an {@link Alert} is, in increasing order. */
public enum Severity {
  /** For the record: a recovery, a resolution, a test. */
  INFO,
  /** Needs attention soon. */
  WARNING,
  /** Money is burning or calls are being refused now. */
  CRITICAL
}
