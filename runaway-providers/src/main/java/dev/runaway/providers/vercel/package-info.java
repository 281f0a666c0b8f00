/**
 * The Vercel detector ({@code "type": "vercel"}): FOCUS billing charges from
 * {@code /v1/billing/charges}; see {@link dev.runaway.providers.vercel.VercelDetectorProvider}.
 */
package dev.runaway.providers.vercel;
