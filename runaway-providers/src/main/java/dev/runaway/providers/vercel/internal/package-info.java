/** Implementation of the Vercel detector; not a public API. */
package dev.runaway.providers.vercel.internal;
