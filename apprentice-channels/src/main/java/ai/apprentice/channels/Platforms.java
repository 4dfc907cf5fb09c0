package ai.apprentice.channels;

import java.util.Map;

/** The platforms this apprentice speaks, by the names of the config. */
final class Platforms {
    private Platforms() {}

    static ChatPlatform create(ChannelConfig config, Map<String, String> env) throws ChatException {
        switch (config.platform()) {
            case "slack" -> { return ai.apprentice.channels.slack.SlackPlatform.create(config, env); }
            case "feishu" -> { return ai.apprentice.channels.feishu.FeishuPlatform.create(config, env); }
            case "dingtalk" -> { return ai.apprentice.channels.dingtalk.DingTalkPlatform.create(config, env); }
            case "wecom" -> { return ai.apprentice.channels.wecom.WeComPlatform.create(config, env); }
            case "webhook" -> { return ai.apprentice.channels.webhook.WebhookPlatform.create(config, env); }
            default -> throw new ChatException("the " + config.platform() + " platform is not available in this build");
        }
    }
}
