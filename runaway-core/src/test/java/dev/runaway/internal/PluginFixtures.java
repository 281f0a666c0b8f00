package dev.runaway.internal;

/** Service and providers that {@link PluginsTest} lists in a generated META-INF/services file. */
public final class PluginFixtures {

  private PluginFixtures() {}

  /** The service. */
  public interface Named {
    /** @return a name */
    String name();
  }

  /** A good provider. */
  public static final class Zulu implements Named {
    @Override
    public String name() {
      return "zulu";
    }
  }

  /** A good provider. */
  public static final class Alpha implements Named {
    @Override
    public String name() {
      return "alpha";
    }
  }

  /** A provider whose constructor throws. */
  public static final class Exploding implements Named {
    /** Always fails. */
    public Exploding() {
      throw new IllegalStateException("boom in constructor");
    }

    @Override
    public String name() {
      return "exploding";
    }
  }
}
