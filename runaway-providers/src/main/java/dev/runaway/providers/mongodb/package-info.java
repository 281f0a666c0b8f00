/**
 * The MongoDB Atlas detector ({@code "type": "mongodb_atlas"}): the organization's pending invoice
 * through the Atlas Administration API v2, with service-account (OAuth 2.0) or API-key (HTTP
 * Digest) authentication; see {@link dev.runaway.providers.mongodb.MongoDbAtlasDetectorProvider}.
 */
package dev.runaway.providers.mongodb;
