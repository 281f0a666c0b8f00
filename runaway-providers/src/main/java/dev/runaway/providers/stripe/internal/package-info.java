/** Implementation of the Stripe detector; not a public API. */
package dev.runaway.providers.stripe.internal;
