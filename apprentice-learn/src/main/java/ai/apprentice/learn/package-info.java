/**
 * Learning on the job: proposers turn rewarded trajectories and people's corrections into candidates, a gate
 * keeps a candidate only when it beats the incumbent on held-out tasks (paired pass^k, 95% interval above zero),
 * and every kept change is a versioned artifact with history and undo.
 */
package ai.apprentice.learn;
