/** Implementation of the MongoDB Atlas detector; not a public API. */
package dev.runaway.providers.mongodb.internal;
