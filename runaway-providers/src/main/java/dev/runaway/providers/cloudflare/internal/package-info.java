/** Implementation of the Cloudflare R2 detector; not a public API. */
package dev.runaway.providers.cloudflare.internal;
