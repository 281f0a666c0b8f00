/**
 * The Cloudflare R2 detector ({@code "type": "cloudflare_r2"}): operations and storage from the
 * GraphQL Analytics API, priced with R2's published prices and monthly free tier; see
 * {@link dev.runaway.providers.cloudflare.CloudflareR2DetectorProvider}.
 */
package dev.runaway.providers.cloudflare;
