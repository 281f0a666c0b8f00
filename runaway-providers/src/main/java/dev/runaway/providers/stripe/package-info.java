/**
 * Stripe: processing and billing fees from balance transactions
 * ({@link dev.runaway.providers.stripe.StripeDetectorProvider}, type {@code stripe}).
 */
package dev.runaway.providers.stripe;
