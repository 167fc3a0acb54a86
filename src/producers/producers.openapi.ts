import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { UpdateProducerDto } from './dto/update-producer.dto';
import { ProducerResponseDto } from './dto/producer.response.dto';

/** The `:id` route parameter: a positive integer (a BIGINT UNSIGNED id). */
export const ApiProducerId = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  });

export const ApiGetProducer = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'One producer',
      description: 'Where the producer is and how far it delivers. No token needed.',
    }),
    ApiProducerId(),
    ApiOkResponse({ type: ProducerResponseDto }),
  );

export const ApiCreateProducer = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Create a producer',
      description:
        'Needs scope `producers:write`; a token acting for a producer (`producer_id` claim) ' +
        'cannot create one (403). Near-me listings show the change at once.',
    }),
    ApiResponse({
      status: HttpStatus.CREATED,
      type: ProducerResponseDto,
      description: 'Created',
      headers: {
        Location: { description: 'Path of the new producer', schema: { type: 'string' } },
      },
    }),
  );

export const ApiUpdateProducer = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Change a producer',
      description:
        'Any subset of the writable fields; an absent or empty body changes nothing. Needs ' +
        'scope `producers:write`; a token acting for another producer gets a 404. A move ' +
        'or a new delivery radius shows in near-me listings at once.',
    }),
    ApiProducerId(),
    ApiBody({ type: UpdateProducerDto, required: false }),
    ApiOkResponse({ type: ProducerResponseDto }),
  );
