/**
 * Emergency stops ({@code services.<name>.on_runaway.actions}) through each service's own API:
 * GitHub Actions, Vercel, Supabase, OpenAI, and the generic {@code webhook} and {@code command}
 * actions. Each provider's javadoc names the endpoints, the undo and the permission its
 * credential needs.
 */
package dev.runaway.providers.stop;
