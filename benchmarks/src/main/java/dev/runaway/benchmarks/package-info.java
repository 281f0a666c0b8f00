/**
 * JMH benchmarks of the guard's cost per call, side by side with Resilience4j and Bucket4j, and
 * the memory footprint harness ({@link dev.runaway.benchmarks.Footprint}). Never part of the
 * published library; how to run them and the latest results: {@code benchmarks/RESULTS.md}.
 */
package dev.runaway.benchmarks;
