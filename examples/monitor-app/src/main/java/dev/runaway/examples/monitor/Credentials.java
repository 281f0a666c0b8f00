package dev.runaway.examples.monitor;

import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the monitor's credentials come from (the environment, then the {@code .env} file, then the
 * secret managers plugged in through {@link dev.runaway.config.SecretSourceProvider}), and a
 * record of every credential a detector or notifier looked for, by variable name and where it was
 * found, so that {@code check} can report them without ever printing a value.
 *
 * <p>Thread-safe: detectors may be created and may look secrets up from several threads.
 */
final class Credentials {

  /**
   * One credential someone looked for.
   *
   * @param owner the service or notifier that needs it
   * @param name the variable's name
   * @param foundIn where it was found ("environment", the {@code .env} file or a plugged-in source's
   *     description), or {@code null} when missing
   */
  record Lookup(String owner, String name, String foundIn) {
    boolean found() {
      return foundIn != null;
    }
  }

  private final SecretSource environment;
  private final SecretSource dotEnv;
  private final Path envFile;
  private final List<SecretSource> plugged;
  private final SecretSource chain;
  private final Map<String, Lookup> lookups = new LinkedHashMap<>();
  /** Every credential handed out through {@link #recording}, so that messages can be masked. */
  private final Set<Secret> handedOut = ConcurrentHashMap.newKeySet();

  Credentials(SecretSource environment, SecretSource dotEnv, Path envFile) {
    this(environment, dotEnv, envFile, List.of());
  }

  /**
   * @param plugged the sources of the {@code SecretSourceProvider}s, asked after the {@code .env}
   *     file in this order
   */
  Credentials(SecretSource environment, SecretSource dotEnv, Path envFile, List<SecretSource> plugged) {
    this.environment = Objects.requireNonNull(environment, "environment");
    this.dotEnv = Objects.requireNonNull(dotEnv, "dotEnv");
    this.envFile = Objects.requireNonNull(envFile, "envFile");
    this.plugged = List.copyOf(plugged);
    SecretSource c = environment.orElse(dotEnv);
    for (SecretSource s : this.plugged) {
      c = c.orElse(s);
    }
    this.chain = c;
  }

  /** Returns the environment, then the {@code .env} file, then the plugged-in sources. */
  SecretSource source() {
    return chain;
  }

  /** Returns where a variable is set, or {@code null}. */
  String whereIs(String name) {
    if (environment.get(name).isPresent()) {
      return "environment";
    }
    if (dotEnv.get(name).isPresent()) {
      return envFile.toString();
    }
    for (SecretSource s : plugged) {
      if (s.get(name).isPresent()) {
        return s.describe();
      }
    }
    return null;
  }

  /** Notes that {@code owner} needs {@code name}, and returns whether it is set. */
  boolean note(String owner, String name) {
    String where = whereIs(name);
    synchronized (lookups) {
      lookups.putIfAbsent(owner + "\u0000" + name, new Lookup(owner, name, where));
    }
    return where != null;
  }

  /**
   * Returns a source that answers from {@code delegate} and notes each name looked up on behalf
   * of {@code owner}.
   */
  SecretSource recording(String owner, SecretSource delegate) {
    return new SecretSource() {
      @Override
      public Optional<Secret> get(String name) {
        note(owner, name);
        Optional<Secret> found = delegate.get(name);
        found.ifPresent(handedOut::add);
        return found;
      }

      @Override
      public String describe() {
        return delegate.describe();
      }
    };
  }

  /**
   * Masks in {@code text} every credential handed out through {@link #recording}, in every
   * encoding {@link Secret#redact(String)} knows: for what a plug-in's own exception says.
   */
  String redact(String text) {
    return Secret.redactAll(text, List.copyOf(handedOut));
  }

  /** Returns every credential looked for, in order. */
  List<Lookup> lookups() {
    synchronized (lookups) {
      return List.copyOf(lookups.values());
    }
  }

  /** Returns the names {@code owner} looked for and did not find. */
  List<String> missing(String owner) {
    List<String> out = new ArrayList<>();
    for (Lookup l : lookups()) {
      if (l.owner().equals(owner) && !l.found()) {
        out.add(l.name());
      }
    }
    return out;
  }

  /** Returns where credentials are looked for, for messages. */
  String describe() {
    StringBuilder out = new StringBuilder("the environment, then ").append(envFile);
    for (SecretSource s : plugged) {
      out.append(", then ").append(s.describe());
    }
    return out.toString();
  }
}
