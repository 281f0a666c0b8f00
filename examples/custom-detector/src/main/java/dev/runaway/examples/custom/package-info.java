/**
 * How to add a detector and a notifier of your own: {@link dev.runaway.examples.custom.RenderFarmDetectorProvider}
 * polls an in-house render farm's usage endpoint ({@code "type": "render_farm"}), and
 * {@link dev.runaway.examples.custom.WebhookNotifierProvider} posts alerts to a chat webhook
 * ({@code "notifications": {"webhook": {}}}). Each is a class plus one line in
 * {@code META-INF/services}; the monitor needs no change.
 */
package dev.runaway.examples.custom;
