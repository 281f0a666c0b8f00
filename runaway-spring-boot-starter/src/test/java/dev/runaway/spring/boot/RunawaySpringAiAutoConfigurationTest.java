package dev.runaway.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.springai.RunawayGuardAdvisor;
import dev.runaway.RunawayGuard;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.chat.client.ChatClientBuilderCustomizer;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Spring AI advisor is registered by the starter when runaway-spring-ai is on the class path. */
final class RunawaySpringAiAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RunawayAutoConfiguration.class, RunawaySpringAiAutoConfiguration.class));

  @Test
  void oneService_advisorAndCustomizerRegisteredForIt() {
    runner.withPropertyValues("runaway.services.openai.budgets.daily=10").run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(RunawayGuardAdvisor.class).hasSingleBean(ChatClientBuilderCustomizer.class);
      assertThat(ctx.getBean(RunawayGuardAdvisor.class).toString()).contains("openai");
    });
  }

  @Test
  void severalServices_theNamedOneIsGuarded() {
    runner.withPropertyValues("runaway.services.openai.budgets.daily=10", "runaway.services.claude.budgets.daily=5",
        "runaway.spring-ai.service=claude").run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(RunawayGuardAdvisor.class);
          assertThat(ctx.getBean(RunawayGuardAdvisor.class).toString()).contains("claude");
        });
  }

  @Test
  void severalServicesAndNoneNamed_startupFailsNamingTheProperty() {
    runner.withPropertyValues("runaway.services.openai.budgets.daily=10", "runaway.services.claude.budgets.daily=5")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
            .hasMessageContaining("runaway.spring-ai.service"));
  }

  @Test
  void unknownService_startupFailsNamingTheProperty() {
    runner.withPropertyValues("runaway.services.openai.budgets.daily=10", "runaway.spring-ai.service=opnai")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
            .hasMessageContaining("runaway.spring-ai.service").hasMessageContaining("openai"));
  }

  @Test
  void disabledOrModuleAbsent_noAdvisor() {
    runner.withPropertyValues("runaway.services.openai.budgets.daily=10", "runaway.spring-ai.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(RunawayGuardAdvisor.class));
    runner.withPropertyValues("runaway.services.openai.budgets.daily=10")
        .withClassLoader(new FilteredClassLoader(RunawayGuardAdvisor.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(ChatClientBuilderCustomizer.class));
  }

  @Test
  void springAisOwnChatClientAutoConfiguration_appliesTheAdvisor_soEveryCallIsGuarded() {
    ChatModel model = new ChatModel() {
      @Override
      public ChatResponse call(Prompt prompt) {
        return new ChatResponse(List.of(new Generation(new AssistantMessage("pong"))));
      }
    };
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RunawayAutoConfiguration.class, RunawaySpringAiAutoConfiguration.class,
            ChatClientAutoConfiguration.class))
        .withBean(ChatModel.class, () -> model)
        .withPropertyValues("runaway.services.openai.budgets.daily=10")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          ChatClient client = ctx.getBean(ChatClient.Builder.class).build();
          assertThat(client.prompt("ping").call().content()).isEqualTo("pong");
          assertThat(ctx.getBean(RunawayGuard.class).stats("openai").admitted()).isEqualTo(1);
        });
  }
}
