/**
 * Detectors for the services Runaway Guard's monitor polls: one package per service
 * ({@code openai}, {@code github}, {@code stripe}, {@code rest}) and the HTTP plumbing they share
 * in {@link dev.runaway.providers.http}. Each service's {@code DetectorProvider} is registered in
 * {@code META-INF/services/dev.runaway.monitor.DetectorProvider}.
 */
package dev.runaway.providers;
