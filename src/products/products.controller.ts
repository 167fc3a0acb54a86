import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedUser, CurrentUser, RequireScopes, SCOPES } from '../auth';
import { ApiProblems } from '../common/http/api-problem.decorator';
import { ParsePositiveIntPipe } from '../common/http/validation';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../idempotency';
import { CreateProductDto } from './dto/create-product.dto';
import { ProductResponseDto } from './dto/product.response.dto';
import { UpdateProductDto } from './dto/update-product.dto';
import type { ListProductsQuery } from './list-products.query';
import { ListProductsQueryPipe } from './list-products.query.pipe';
import { createdResponse, sendListing, sendProduct, sendStored } from './products.presenter';
import {
  ApiCreateProduct,
  ApiDeleteProduct,
  ApiGetProduct,
  ApiListProducts,
  ApiProductId,
  ApiUpdateProduct,
} from './products.openapi';
import { PRODUCTS_ROUTE } from './products.constants';
import { ProductsService } from './products.service';

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @ApiListProducts()
  @ApiProblems(400, 429)
  async list(
    @Query(ListProductsQueryPipe) query: ListProductsQuery,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendListing(reply, await this.products.list(query), ifNoneMatch);
  }

  @Get(':id')
  @ApiProductId()
  @ApiGetProduct()
  @ApiProblems(400, 404, 429)
  async get(
    @Param('id', ParsePositiveIntPipe) id: number,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendProduct(reply, await this.products.get(id), ifNoneMatch);
  }

  @Post()
  @RequireScopes(SCOPES.PRODUCTS_WRITE)
  @ApiCreateProduct()
  @ApiProblems(400, 409, 422, 429)
  async create(
    @Body() dto: CreateProductDto,
    @CurrentUser() user: AuthenticatedUser,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const outcome = await this.products.create(dto, user, {
      scope: {
        principal: user.sub,
        actingFor: user.producerId === undefined ? undefined : `producer:${user.producerId}`,
        method: 'POST',
        route: PRODUCTS_ROUTE,
      },
      key: parseIdempotencyKey(idempotencyKey),
      payload: dto,
      render: createdResponse,
    });
    sendStored(reply, outcome);
  }

  @Patch(':id')
  @ApiUpdateProduct()
  @ApiProductId()
  @ApiBody({
    type: UpdateProductDto,
    required: false,
    description: 'Any subset of the writable fields; an absent or empty body changes nothing',
  })
  @RequireScopes(SCOPES.PRODUCTS_WRITE)
  @ApiOkResponse({ type: ProductResponseDto })
  @ApiProblems(400, 404, 409, 429)
  update(
    @Param('id', ParsePositiveIntPipe) id: number,
    @Body() dto: UpdateProductDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<ProductResponseDto> {
    return this.products.update(id, dto, user);
  }

  @Delete(':id')
  @ApiDeleteProduct()
  @ApiProductId()
  @RequireScopes(SCOPES.PRODUCTS_WRITE)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 404, 429)
  remove(
    @Param('id', ParsePositiveIntPipe) id: number,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<void> {
    return this.products.remove(id, user);
  }
}
