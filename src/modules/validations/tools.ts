/** MCP tool of the validations context: `request_validation` (a planned action checked before it happens). */
import Type from 'typebox';
import { defineTool, type McpContribution } from '../../http/mcp-tools.js';
import { ValidationCreate, ValidationDto, toValidationDto } from './schemas.js';
import { ValidationService } from './validation.service.js';

const requestValidation = defineTool({
  name: 'request_validation',
  title: 'Validate a planned action',
  description:
    'Submit an action you plan to take (an `actionType` such as shell.exec, file.write or deploy, and a ' +
    '`actionDescription` of exactly what you will do) BEFORE taking it. It is checked against your boundaries ' +
    'and recorded. The result has a `decision`: approved (go ahead), approved_with_warnings (go ahead, read the ' +
    'findings), needs_review (do not act yet: ask a person with ask_human first) or rejected (never do it); a ' +
    '`vetoLevel` (none, weak, medium, strong) and the `findings` of each layer (L1 cannotDo, L2 ' +
    'requireApprovalFor, L3 canDo, L4 maxAutonomousActions).',
  audience: ['agent'],
  input: Type.Object(
    {
      actionType: ValidationCreate.properties.actionType,
      actionDescription: ValidationCreate.properties.actionDescription,
    },
    { additionalProperties: false },
  ),
  output: ValidationDto,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(ctx, input) {
    const validation = await new ValidationService(ctx.em).evaluate(await ctx.caller(), input);
    const result = toValidationDto(validation);
    const advice: Record<typeof result.decision, string> = {
      approved: 'You may proceed.',
      approved_with_warnings: 'You may proceed; read the findings first.',
      needs_review: 'Do not act yet: ask a person with ask_human, then act on the answer.',
      rejected: 'Do not take this action.',
    };
    return {
      result,
      summary:
        `Validation ${result.id}: ${result.decision} (veto ${result.vetoLevel}, ${result.findings.length} ` +
        `finding(s)). ${advice[result.decision]}`,
    };
  },
});

export const validationsMcp: McpContribution = { tools: [requestValidation] };
