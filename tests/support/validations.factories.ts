/** Request bodies for the validations context. */
import type { ValidationDecision, VetoLevel } from '../../src/modules/validations/enums.js';

export function validationBody(
  overrides: Partial<{
    agentId: string;
    actionType: string;
    actionDescription: string;
    decision: ValidationDecision;
    vetoLevel: VetoLevel;
    findings: { layerId: string; severity: string; title: string; description: string }[];
  }> = {},
) {
  return {
    actionType: 'shell.exec',
    actionDescription: 'rm -rf ./build before a release build',
    decision: 'approved_with_warnings' as ValidationDecision,
    vetoLevel: 'weak' as VetoLevel,
    findings: [
      {
        layerId: 'L1',
        severity: 'low',
        title: 'Deletes files',
        description: 'recursive delete inside the repo',
      },
      {
        layerId: 'L4',
        severity: 'info',
        title: 'Scoped path',
        description: 'the path stays under the project',
      },
    ],
    ...overrides,
  };
}
