/** Helpers shared by the providers (config reading, money); not a public API. */
package dev.runaway.providers.internal;
