import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem-response';

export class FieldErrorDto {
  @ApiProperty({ example: 'limit' }) readonly field!: string;
  @ApiProperty({ example: 'limit must not be greater than 100' }) readonly message!: string;
}

/** RFC 9457 problem details, the body of every error response. */
export class ProblemDto {
  @ApiProperty({ example: 'https://farmlokal.example/problems/validation-failed' })
  readonly type!: string;
  @ApiProperty({ example: 'Request validation failed' }) readonly title!: string;
  @ApiProperty({ example: 400 }) readonly status!: number;
  @ApiProperty({ example: 'One or more fields are invalid' }) readonly detail!: string;
  @ApiProperty({ example: '/products' }) readonly instance!: string;
  @ApiProperty({ example: '7f1c3d7e-3a50-4c55-9a51-0e5cbb0fb1a4' }) readonly request_id!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) readonly errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (validation failure, malformed JSON or cursor)',
  401: 'Missing or invalid credentials',
  403: 'Authenticated but lacking the required scope',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Unsupported media type',
  422: 'Idempotency key reused with a different request',
  429: 'Rate limit exceeded (see Retry-After)',
  500: 'Unexpected error',
  502: 'Partner answered with an error',
  503: 'Temporarily unavailable (see Retry-After where given)',
};

/** Documents problem+json responses for the given status codes. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
