/**
 * The validation of a planned action against the acting agent's boundaries (its DNA, seed 004), as layers:
 *
 * - L1 `cannotDo`: a listed action is forbidden: rejected, strong veto, a critical finding.
 * - L2 `requireApprovalFor`: a listed action needs a person first: needs_review, medium veto, a high finding.
 * - L3 `canDo`: when the list is set, an action outside it is not the agent's to take alone: needs_review,
 *   medium veto. When it is empty, nothing says the action is expected: approved_with_warnings, weak veto.
 * - L4 `maxAutonomousActions`: once the agent had that many actions approved without a person in the last
 *   24 hours, the next one needs_review (medium veto).
 *
 * The strongest layer decides; every layer that has something to say adds its finding. An entry matches an
 * action type case-insensitively, exactly or, when it ends with `*`, as a prefix (`deploy.*`, `shell*`).
 * Pure: the service loads the boundaries and the count, and records the outcome.
 */
import type { AgentBoundaries } from '../agents/dna.js';
import type { FindingSeverity, ValidationDecision, VetoLevel } from './enums.js';

export const AUTONOMY_WINDOW_MS = 24 * 3600 * 1000;

export interface PlannedFinding {
  layerId: string;
  severity: FindingSeverity;
  title: string;
  description: string;
}

export interface Evaluation {
  decision: ValidationDecision;
  vetoLevel: VetoLevel;
  findings: PlannedFinding[];
}

/** The first entry of `list` that covers `actionType`, if any. */
export function matchingEntry(list: readonly string[], actionType: string): string | undefined {
  const action = actionType.trim().toLowerCase();
  return list.find((raw) => {
    const entry = raw.trim().toLowerCase();
    return entry.endsWith('*') ? action.startsWith(entry.slice(0, -1)) : action === entry;
  });
}

export function evaluateAction(
  boundaries: Pick<AgentBoundaries, 'canDo' | 'cannotDo' | 'requireApprovalFor' | 'maxAutonomousActions'>,
  actionType: string,
  autonomousActionsInWindow: number,
): Evaluation {
  const findings: PlannedFinding[] = [];
  let decision: ValidationDecision = 'approved';
  let vetoLevel: VetoLevel = 'none';
  const raise = (d: ValidationDecision, v: VetoLevel) => {
    const order: ValidationDecision[] = ['approved', 'approved_with_warnings', 'needs_review', 'rejected'];
    if (order.indexOf(d) > order.indexOf(decision)) [decision, vetoLevel] = [d, v];
  };

  const forbidden = matchingEntry(boundaries.cannotDo, actionType);
  if (forbidden !== undefined) {
    findings.push({
      layerId: 'L1',
      severity: 'critical',
      title: `'${actionType}' is an action this agent must never take`,
      description: `boundaries.cannotDo lists '${forbidden}'.`,
    });
    raise('rejected', 'strong');
  }
  const approval = matchingEntry(boundaries.requireApprovalFor, actionType);
  if (approval !== undefined) {
    findings.push({
      layerId: 'L2',
      severity: 'high',
      title: `'${actionType}' needs a person's approval first`,
      description: `boundaries.requireApprovalFor lists '${approval}': ask a person (ask_human) before acting.`,
    });
    raise('needs_review', 'medium');
  }
  if (boundaries.canDo.length === 0) {
    findings.push({
      layerId: 'L3',
      severity: 'low',
      title: 'this agent declares no actions it may take on its own',
      description: `boundaries.canDo is empty, so nothing says '${actionType}' is expected of this agent.`,
    });
    raise('approved_with_warnings', 'weak');
  } else if (matchingEntry(boundaries.canDo, actionType) === undefined) {
    findings.push({
      layerId: 'L3',
      severity: 'medium',
      title: `'${actionType}' is not among the actions this agent may take on its own`,
      description: `boundaries.canDo lists ${boundaries.canDo.map((e) => `'${e}'`).join(', ')}.`,
    });
    raise('needs_review', 'medium');
  }
  if (autonomousActionsInWindow >= boundaries.maxAutonomousActions) {
    findings.push({
      layerId: 'L4',
      severity: 'medium',
      title: 'the limit of autonomous actions is reached',
      description:
        `${autonomousActionsInWindow} action(s) were approved without a person in the last 24 hours; ` +
        `boundaries.maxAutonomousActions is ${boundaries.maxAutonomousActions}.`,
    });
    raise('needs_review', 'medium');
  }
  return { decision, vetoLevel, findings };
}
