package dev.runaway.providers.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.providers.mongodb.internal.AtlasSession;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Atlas takes a programmatic API key (public and private key, Digest) or a service account
 * (client id and secret). With half of one pair set, the error names the other half of that pair,
 * not a half of the other pair (nu42 trial: MONGODB_ATLAS_PUBLIC_KEY alone was reported as
 * "missing credentials MONGODB_ATLAS_CLIENT_ID, MONGODB_ATLAS_PRIVATE_KEY").
 */
final class AtlasCredentialPairTest {

  private static final ServiceSettings SETTINGS = ServiceSettings.of("atlas", "mongodb_atlas",
      Map.of("org_id", "5f1e7c2b9d3a4b0011aa22bb"));

  @ParameterizedTest
  @CsvSource({
      "MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY",
      "MONGODB_ATLAS_PRIVATE_KEY, MONGODB_ATLAS_PUBLIC_KEY",
      "MONGODB_ATLAS_CLIENT_ID, MONGODB_ATLAS_CLIENT_SECRET",
      "MONGODB_ATLAS_CLIENT_SECRET, MONGODB_ATLAS_CLIENT_ID"})
  void find_halfOfOnePair_namesItsOtherHalfOnly(String set, String missing) {
    SecretSource secrets = SecretSource.of(Map.of(set, "value-SENTINEL-1234"));
    assertThatThrownBy(() -> AtlasSession.Credentials.find(SETTINGS, secrets, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.getMessage()).startsWith("missing credential " + missing + " (");
          String other = set.contains("CLIENT") ? "MONGODB_ATLAS_P" : "MONGODB_ATLAS_CLIENT";
          assertThat(e.getMessage()).doesNotContain(other).doesNotContain("SENTINEL");
        });
  }

  @Test
  void find_oneHalfOfEach_namesBothMissingHalves() {
    SecretSource secrets = SecretSource.of(Map.of("MONGODB_ATLAS_CLIENT_ID", "id-SENTINEL",
        "MONGODB_ATLAS_PRIVATE_KEY", "private-SENTINEL"));
    assertThatThrownBy(() -> AtlasSession.Credentials.find(SETTINGS, secrets, null))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
            .contains("set MONGODB_ATLAS_CLIENT_SECRET or MONGODB_ATLAS_PUBLIC_KEY to complete one")
            .doesNotContain("SENTINEL"));
  }

  @Test
  void find_aCompletePairBesideHalfOfTheOther_usesTheCompleteOne() {
    SecretSource secrets = SecretSource.of(Map.of("MONGODB_ATLAS_CLIENT_ID", "id",
        "MONGODB_ATLAS_PUBLIC_KEY", "public", "MONGODB_ATLAS_PRIVATE_KEY", "private"));
    assertThat(AtlasSession.Credentials.find(SETTINGS, secrets, null).toString())
        .isEqualTo("Credentials[API key MONGODB_ATLAS_PUBLIC_KEY, MONGODB_ATLAS_PRIVATE_KEY]");
  }

  @Test
  void find_nothingSet_namesBothPairs() {
    assertThatThrownBy(() -> AtlasSession.Credentials.find(SETTINGS, SecretSource.of(Map.of()), null))
        .hasMessageContaining("found no credentials: set MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET");
  }
}
