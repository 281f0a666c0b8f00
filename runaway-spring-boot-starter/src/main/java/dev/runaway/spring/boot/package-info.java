/**
 * Spring Boot 4 auto-configuration for Runaway Guard: {@code runaway.*} properties
 * ({@link dev.runaway.spring.boot.RunawayProperties}), a {@link dev.runaway.RunawayGuard} bean,
 * metrics, an actuator health indicator and endpoint.
 */
package dev.runaway.spring.boot;
