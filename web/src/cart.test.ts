import { describe, expect, it } from 'vitest';
import type { Product } from './api';
import { cartReducer, emptyCart, itemCount, orderProducts, subtotal, MAX_QUANTITY } from './cart';

const pizza: Product = { productId: '1000', name: 'Pepperoni pizza', category: 'Pizza', price: 10.9, prepSeconds: 5, icon: '🍕' };
const wings: Product = { productId: '1003', name: 'Chicken wings', category: 'Snack', price: 3.4, prepSeconds: 5, icon: '🍗' };

describe('cartReducer', () => {
  it('add_SameProductTwice_IncrementsQuantity', () => {
    let cart = cartReducer(emptyCart, { type: 'add', restaurantId: 'bites_n_bytes', product: pizza });
    cart = cartReducer(cart, { type: 'add', restaurantId: 'bites_n_bytes', product: pizza });
    expect(cart.lines).toEqual([{ product: pizza, quantity: 2 }]);
    expect(cart.restaurantId).toBe('bites_n_bytes');
  });

  it('add_FromAnotherRestaurant_StartsANewCart', () => {
    let cart = cartReducer(emptyCart, { type: 'add', restaurantId: 'bites_n_bytes', product: pizza });
    cart = cartReducer(cart, { type: 'add', restaurantId: 'mcstate', product: wings });
    expect(cart.restaurantId).toBe('mcstate');
    expect(cart.lines.map(l => l.product.productId)).toEqual(['1003']);
  });

  it('subtotal_ManyCents_IsExactToTheCent', () => {
    let cart = cartReducer(emptyCart, { type: 'add', restaurantId: 'r', product: pizza });
    cart = cartReducer(cart, { type: 'add', restaurantId: 'r', product: wings });
    cart = cartReducer(cart, { type: 'setQuantity', productId: '1003', quantity: 3 });
    expect(subtotal(cart)).toBe(21.1);
    expect(itemCount(cart)).toBe(4);
    expect(orderProducts(cart)).toEqual([
      { productId: '1000', description: 'Pepperoni pizza', quantity: 1 },
      { productId: '1003', description: 'Chicken wings', quantity: 3 },
    ]);
  });

  it('setQuantity_ZeroOrInvalid_RemovesTheLine', () => {
    let cart = cartReducer(emptyCart, { type: 'add', restaurantId: 'r', product: pizza });
    cart = cartReducer(cart, { type: 'setQuantity', productId: '1000', quantity: 0 });
    expect(cart).toEqual(emptyCart);
    cart = cartReducer(cart, { type: 'add', restaurantId: 'r', product: pizza });
    expect(cartReducer(cart, { type: 'setQuantity', productId: '1000', quantity: Number.NaN }).lines).toHaveLength(0);
  });

  it('setQuantity_AboveTheLimit_IsCapped', () => {
    const cart = cartReducer(cartReducer(emptyCart, { type: 'add', restaurantId: 'r', product: pizza }), { type: 'setQuantity', productId: '1000', quantity: 999 });
    expect(cart.lines[0]!.quantity).toBe(MAX_QUANTITY);
  });

  it('remove_LastLine_ForgetsTheRestaurant', () => {
    let cart = cartReducer(emptyCart, { type: 'add', restaurantId: 'r', product: pizza });
    cart = cartReducer(cart, { type: 'remove', productId: '1000' });
    expect(cart.restaurantId).toBeNull();
    expect(subtotal(cart)).toBe(0);
  });
});
