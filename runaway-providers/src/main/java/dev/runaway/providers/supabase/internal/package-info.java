/** Implementation of the Supabase detector; not a public API. */
package dev.runaway.providers.supabase.internal;
