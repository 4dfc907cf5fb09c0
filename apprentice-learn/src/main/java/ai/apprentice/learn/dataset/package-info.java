/**
 * Datasets from the run log: rewarded runs become fine-tuning files in the providers' formats (OpenAI's chat and
 * preference formats, TRL's conversational, preference and unpaired preference types), redacted, de-duplicated and
 * split by task. {@link ai.apprentice.learn.dataset.DatasetExporter} is the entry point; {@code apprentice dataset
 * export} is its command line.
 */
package ai.apprentice.learn.dataset;
