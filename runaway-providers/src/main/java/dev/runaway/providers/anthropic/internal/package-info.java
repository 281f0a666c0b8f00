/** Internals of the Anthropic integration; not an API. */
package dev.runaway.providers.anthropic.internal;
