/**
 * The Supabase detector ({@code "type": "supabase"}): request counts from the Management API's
 * usage endpoints, priced with per-unit prices from the config; see
 * {@link dev.runaway.providers.supabase.SupabaseDetectorProvider}.
 */
package dev.runaway.providers.supabase;
