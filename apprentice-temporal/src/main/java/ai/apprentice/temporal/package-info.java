/**
 * apprentice on Temporal: the engine a team points apprentice at when one machine is not enough (issue 19). Runs become
 * workflows whose activities are model and tool calls, and evaluation trials fan out over workers; every event still
 * lands in the run store, so everything that reads runs reads them the same way whatever the engine.
 */
package ai.apprentice.temporal;
