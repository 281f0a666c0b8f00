/**
 * Telegram alerts: {@link dev.runaway.telegram.TelegramNotifier} posts Runaway Guard alerts to a
 * chat, group or channel through the Bot API, and {@link dev.runaway.telegram.TelegramNotifierProvider}
 * wires it from the config's {@code notifications.telegram} section.
 */
package dev.runaway.telegram;
