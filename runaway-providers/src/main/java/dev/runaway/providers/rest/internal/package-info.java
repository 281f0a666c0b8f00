/** Implementation of the custom REST detector; not a public API. */
package dev.runaway.providers.rest.internal;
