// The shop's cart: a pure reducer, so its rules are tested without rendering anything.
import type { OrderProduct, Product } from './api';

export interface CartLine { product: Product; quantity: number }
export interface Cart { restaurantId: string | null; lines: CartLine[] }

export type CartAction =
  | { type: 'add'; restaurantId: string; product: Product }
  | { type: 'remove'; productId: string }
  | { type: 'setQuantity'; productId: string; quantity: number }
  | { type: 'clear' };

export const MAX_QUANTITY = 50;
export const emptyCart: Cart = { restaurantId: null, lines: [] };

export function cartReducer(cart: Cart, action: CartAction): Cart {
  switch (action.type) {
    case 'add': {
      // An order goes to one restaurant: adding from another starts a new cart.
      const lines = cart.restaurantId === action.restaurantId ? cart.lines : [];
      const existing = lines.find(l => l.product.productId === action.product.productId);
      return {
        restaurantId: action.restaurantId,
        lines: existing
          ? lines.map(l => (l === existing ? { ...l, quantity: Math.min(MAX_QUANTITY, l.quantity + 1) } : l))
          : [...lines, { product: action.product, quantity: 1 }],
      };
    }
    case 'remove': {
      const lines = cart.lines.filter(l => l.product.productId !== action.productId);
      return { restaurantId: lines.length ? cart.restaurantId : null, lines };
    }
    case 'setQuantity': {
      const quantity = Math.floor(action.quantity);
      if (!Number.isFinite(quantity) || quantity <= 0) return cartReducer(cart, { type: 'remove', productId: action.productId });
      return {
        ...cart,
        lines: cart.lines.map(l => (l.product.productId === action.productId ? { ...l, quantity: Math.min(MAX_QUANTITY, quantity) } : l)),
      };
    }
    case 'clear':
      return emptyCart;
  }
}

/** In cents, so that 0.1 + 0.2 never shows up on a receipt. */
export const subtotalCents = (cart: Cart) => cart.lines.reduce((sum, l) => sum + Math.round(l.product.price * 100) * l.quantity, 0);
export const subtotal = (cart: Cart) => subtotalCents(cart) / 100;
export const itemCount = (cart: Cart) => cart.lines.reduce((sum, l) => sum + l.quantity, 0);

export const orderProducts = (cart: Cart): OrderProduct[] =>
  cart.lines.map(l => ({ productId: l.product.productId, description: l.product.name, quantity: l.quantity }));
