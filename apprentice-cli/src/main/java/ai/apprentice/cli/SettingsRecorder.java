package ai.apprentice.cli;

import ai.apprentice.cli.config.Config;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.EventListener;
import java.nio.file.Path;

/** Stores the settings a run was started with, right after its run_started event, so it can be resumed. */
final class SettingsRecorder implements EventListener {
    private final Cli cli;
    private final Config config;
    private final Path workspace;

    SettingsRecorder(Cli cli, Config config, Path workspace) {
        this.cli = cli;
        this.config = config;
        this.workspace = workspace;
    }

    @Override
    public void onEvent(Event event) {
        if (event instanceof Event.RunStarted s) cli.store().setSettings(s.runId(), Cli.resumeSettings(config, workspace));
    }
}
