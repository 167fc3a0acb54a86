import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedUser, CurrentUser, RequireScopes, SCOPES } from '../auth';
import { ApiProblems } from '../common/http/api-problem.decorator';
import { ParsePositiveIntPipe } from '../common/http/validation';
import { CreateProducerDto } from './dto/create-producer.dto';
import type { ProducerResponseDto } from './dto/producer.response.dto';
import { UpdateProducerDto } from './dto/update-producer.dto';
import { ApiCreateProducer, ApiGetProducer, ApiUpdateProducer } from './producers.openapi';
import { PRODUCERS_ROUTE } from './producers.constants';
import { ProducersService } from './producers.service';

@ApiTags('producers')
@Controller('producers')
export class ProducersController {
  constructor(private readonly producers: ProducersService) {}

  @Get(':id')
  @ApiGetProducer()
  @ApiProblems(400, 404, 429)
  get(@Param('id', ParsePositiveIntPipe) id: number): Promise<ProducerResponseDto> {
    return this.producers.get(id);
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @RequireScopes(SCOPES.PRODUCERS_WRITE)
  @ApiCreateProducer()
  @ApiProblems(400, 429)
  async create(
    @Body() dto: CreateProducerDto,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProducerResponseDto> {
    const producer = await this.producers.create(dto, user);
    void reply.header('location', `${PRODUCERS_ROUTE}/${producer.id}`);
    return producer;
  }

  @Patch(':id')
  @RequireScopes(SCOPES.PRODUCERS_WRITE)
  @ApiUpdateProducer()
  @ApiProblems(400, 404, 429)
  update(
    @Param('id', ParsePositiveIntPipe) id: number,
    @Body() dto: UpdateProducerDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ProducerResponseDto> {
    return this.producers.update(id, dto, user);
  }
}
